// SPDX-License-Identifier: GPL-2.0
/*
 * hwbench: the pieces of results.json, and the targets.  results.md is
 * made from results.json by bench/report.py.
 */
#include <inttypes.h>
#include <string.h>

#include "hwbench.h"

void json_dist(FILE *f, const char *name, const struct dist *d, bool comma)
{
	if (!d || !d->n) {
		fprintf(f, "\"%s\": null%s", name, comma ? ", " : "");
		return;
	}
	fprintf(f, "\"%s\": {\"n\": %zu, \"min\": %" PRId64 ", \"p50\": %" PRId64
		", \"p90\": %" PRId64 ", \"p99\": %" PRId64 ", \"p999\": %" PRId64
		", \"max\": %" PRId64 ", \"mean\": %.0f}%s",
		name, d->n, d->min, d->p50, d->p90, d->p99, d->p999, d->max,
		d->mean, comma ? ", " : "");
}

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void json_err(FILE *f, int err)
{
	if (err)
		json_str(f, strerror(-err));
	else
		fprintf(f, "null");
}

/* The targets, evaluated once. */
struct target {
	char name[96];
	double value, lo, hi, limit;
	const char *verdict;
};
static struct target targets[32];
static int nr_targets;

static struct target *target_new(const char *name, double limit)
{
	struct target *t;

	if (nr_targets >= (int)(sizeof(targets) / sizeof(targets[0])))
		return NULL;
	t = &targets[nr_targets++];
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->limit = limit;
	return t;
}

void add_target(const char *name, double value, double limit)
{
	struct target *t = target_new(name, limit);

	if (!t)
		return;
	t->value = t->lo = t->hi = value;
	t->verdict = value > 0 && value <= limit ? "pass" : "fail";
}

void add_target_ci(const char *name, const struct ci *ci, double limit)
{
	struct target *t = target_new(name, limit);

	if (!t)
		return;
	t->value = ci->value;
	t->lo = ci->lo;
	t->hi = ci->hi;
	t->verdict = verdict(ci, limit);
}

void json_targets(FILE *f)
{
	fprintf(f, "[\n");
	for (int i = 0; i < nr_targets; i++) {
		fprintf(f, "  {\"name\": ");
		json_str(f, targets[i].name);
		fprintf(f, ", \"ratio\": %.3f, \"lo\": %.3f, \"hi\": %.3f, "
			"\"limit\": %.2f, \"verdict\": \"%s\"}%s\n",
			targets[i].value, targets[i].lo, targets[i].hi,
			targets[i].limit, targets[i].verdict,
			i + 1 < nr_targets ? "," : "");
	}
	fprintf(f, "]");
}
