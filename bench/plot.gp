# SPDX-License-Identifier: GPL-2.0
#
# Plots of hwbench's results (run-bench.sh runs it on the host):
#   gnuplot -e "dir='build/bench'" bench/plot.gp
# latency.png: the distribution of wake - due of every model and of the
#   floors (timerfd, clock_nanosleep, bench/floor's two sleepers and its
#   SIGIO timer, a posix timer's signal, io_uring's timeout): the CDF on a log time axis,
#   and the tail (1 - CDF) on log-log axes, where p99 and p99.9 show.
# scaling.png: register/cancel cost against registrations pending, and
#   throughput and p99 latency against concurrent clients.
if (!exists("dir")) dir = "build/bench"
models = system("cat '".dir."/models.txt'")
mode = system("grep -o '\"mode\": \"[a-z]*\"' '".dir."/results.json' | cut -d'\"' -f4")

# The floors in black and greys, heavier; the models in colours.
is_floor(m) = m eq "timerfd" || m eq "nanosleep" || m eq "sleeper-hard" || \
	m eq "sleeper-soft" || m eq "timer-signal" || m eq "timer-sigio" || \
	m eq "uring-timeout"
lw(m) = is_floor(m) ? 3 : 1.6
dt(m) = (m eq "nanosleep") ? 2 : (m eq "sleeper-hard") ? 3 : \
	(m eq "sleeper-soft") ? 4 : (m eq "timer-signal") ? 5 : (m eq "uring-timeout") ? 6 : \
	(m eq "timer-sigio") ? 7 : 1
colours = "#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b #e377c2 #17becf #bcbd22 #7f7f7f #aec7e8 #ffbb78 #98df8a"
lc(i, m) = (m eq "timerfd") ? "black" : (m eq "nanosleep") ? "gray50" : \
	(m eq "sleeper-hard") ? "gray30" : (m eq "sleeper-soft") ? "gray65" : \
	(m eq "timer-signal") ? "gray40" : (m eq "uring-timeout") ? "gray75" : \
	(m eq "timer-sigio") ? "gray55" : \
	word(colours, (i - 1) % words(colours) + 1)

set terminal pngcairo size 1600,700 font ",10"
set output dir."/latency.png"
set multiplot layout 1,2 title "hwevent: latency wake - due (emulated VM, QEMU TCG, ".mode." run; due 200-400 us; timer slack 1 ns)" font ",12"

set logscale x
set grid xtics mxtics ytics
set xlabel "wake - due (us, emulated time)"
set ylabel "fraction of events notified"
set key bottom right
set yrange [0:1]
set title "CDF"
plot for [i=1:words(models)] dir."/lat-".word(models, i).".dat" using 1:2 \
	with lines lw lw(word(models, i)) dt dt(word(models, i)) \
	lc rgb lc(i, word(models, i)) title word(models, i)

set logscale y
set yrange [*:1]
set ylabel "fraction notified later (1 - CDF)"
set key top right
set title "tail: 1 - CDF (p99 at 0.01, p99.9 at 0.001)"
plot for [i=1:words(models)] dir."/lat-".word(models, i).".dat" using 1:3 \
	with steps lw lw(word(models, i)) dt dt(word(models, i)) \
	lc rgb lc(i, word(models, i)) title word(models, i)
unset multiplot
unset logscale

# Scaling and clients, when those phases ran.
if (system("test -s '".dir."/scaling.dat' && test -s '".dir."/clients.dat' && echo y") eq "y") {
	set output dir."/scaling.png"
	set multiplot layout 1,3 title "hwevent: scaling (emulated VM, ".mode." run)" font ",12"
	set key top left
	set grid
	set logscale x
	set logscale y
	set xlabel "registrations pending on the file"
	set ylabel "p50 cost (us, emulated time)"
	set title "register / cancel vs timerfd arm / disarm"
	set yrange [*:*]
	plot dir."/scaling.dat" using 1:2 with linespoints lw 2 title "register EVENTFD", \
	     "" using 1:3 with linespoints lw 2 title "register QUEUE", \
	     "" using 1:4 with linespoints lw 2 title "cancel EVENTFD", \
	     "" using 1:5 with linespoints lw 2 title "cancel QUEUE", \
	     "" using 1:6 with linespoints lw 3 lc rgb "black" title "timerfd arm", \
	     "" using 1:7 with linespoints lw 3 lc rgb "gray50" dt 2 title "timerfd disarm"
	set xlabel "concurrent clients (threads, own file each)"
	set ylabel "notifications per second"
	set title "throughput: REQUEST register+wait vs timerfd"
	plot dir."/clients.dat" using 1:2 with linespoints lw 2 title "hwevent REQUEST", \
	     "" using 1:5 with linespoints lw 3 lc rgb "black" title "timerfd"
	set ylabel "wake - due (us, emulated time)"
	set title "latency vs clients"
	plot dir."/clients.dat" using 1:3 with linespoints lw 2 title "hwevent p50", \
	     "" using 1:4 with linespoints lw 2 title "hwevent p99", \
	     "" using 1:6 with linespoints lw 3 lc rgb "black" title "timerfd p50", \
	     "" using 1:7 with linespoints lw 3 lc rgb "gray50" dt 2 title "timerfd p99"
	unset multiplot
}
