/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of the hwevent driver, for ftrace and perf:
 *   echo 1 > /sys/kernel/tracing/events/hwevent/enable
 *   perf trace -e 'hwevent:*'
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM hwevent

#if !defined(_HWEVENT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _HWEVENT_TRACE_H

#include <linux/tracepoint.h>

/* A registration was accepted. */
TRACE_EVENT(hwevent_register,
	    TP_PROTO(u32 id, u32 type, u64 due_ns, u64 period_ns, u64 cookie),
	    TP_ARGS(id, type, due_ns, period_ns, cookie),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, type)
			     __field(u64, due_ns)
			     __field(u64, period_ns)
			     __field(u64, cookie)),
	    TP_fast_assign(__entry->id = id;
			   __entry->type = type;
			   __entry->due_ns = due_ns;
			   __entry->period_ns = period_ns;
			   __entry->cookie = cookie;),
	    TP_printk("id=%u type=%u due_ns=%llu period_ns=%llu cookie=%llu",
		      __entry->id, __entry->type, __entry->due_ns,
		      __entry->period_ns, __entry->cookie)
);

/* The timer fired: the simulated interrupt; periods > 1 if it overran. */
TRACE_EVENT(hwevent_fire,
	    TP_PROTO(u32 id, u32 type, u64 seq, u64 periods),
	    TP_ARGS(id, type, seq, periods),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, type)
			     __field(u64, seq)
			     __field(u64, periods)),
	    TP_fast_assign(__entry->id = id;
			   __entry->type = type;
			   __entry->seq = seq;
			   __entry->periods = periods;),
	    TP_printk("id=%u type=%u seq=%llu periods=%llu", __entry->id,
		      __entry->type, __entry->seq, __entry->periods)
);

/* A pending request completed, with an event (0) or an error. */
TRACE_EVENT(hwevent_complete,
	    TP_PROTO(u32 id, bool uring, int status),
	    TP_ARGS(id, uring, status),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(bool, uring)
			     __field(int, status)),
	    TP_fast_assign(__entry->id = id;
			   __entry->uring = uring;
			   __entry->status = status;),
	    TP_printk("id=%u via=%s status=%d", __entry->id,
		      __entry->uring ? "io_uring" : "ioctl", __entry->status)
);

/* A registration was cancelled before its single event fired. */
TRACE_EVENT(hwevent_cancel,
	    TP_PROTO(u32 id, u32 type),
	    TP_ARGS(id, type),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, type)),
	    TP_fast_assign(__entry->id = id;
			   __entry->type = type;),
	    TP_printk("id=%u type=%u", __entry->id, __entry->type)
);

#endif /* _HWEVENT_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE hwevent_trace
#include <trace/define_trace.h>
