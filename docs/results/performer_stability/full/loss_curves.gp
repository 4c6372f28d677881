set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output "docs/results/performer_stability/full/loss_curves.png"
set title "FAVOR+ stability: KJV char LM training loss (full)"
set xlabel "step"
set ylabel "training loss (nats per char, binned mean)"
set grid
set key outside right top
set pointsize 0.3
set yrange [:4.6]
plot "docs/results/performer_stability/full/loss_curves.dat" index 0 using 1:2 with linespoints pt 7 title "vanilla", \
     "docs/results/performer_stability/full/loss_curves.dat" index 1 using 1:2 with linespoints pt 7 title "positive", \
     "docs/results/performer_stability/full/loss_curves.dat" index 2 using 1:2 with linespoints pt 7 title "positive_redraw", \
     "docs/results/performer_stability/full/loss_curves.dat" index 3 using 1:2 with linespoints pt 7 title "trig", \
     "docs/results/performer_stability/full/loss_curves.dat" index 4 using 1:2 with linespoints pt 7 title "trig_redraw"
