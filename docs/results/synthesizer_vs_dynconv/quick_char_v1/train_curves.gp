set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output "docs/results/synthesizer_vs_dynconv/train_curves.png"
set title "KJV character LM: training loss (quick, mean over seeds)"
set xlabel "step"
set ylabel "training loss (nats)"
set grid
set key outside right top
plot "docs/results/synthesizer_vs_dynconv/train_curves.dat" index 0 using 1:2 with linespoints pt 7 title "vanilla", \
     "docs/results/synthesizer_vs_dynconv/train_curves.dat" index 1 using 1:2 with linespoints pt 7 title "random", \
     "docs/results/synthesizer_vs_dynconv/train_curves.dat" index 2 using 1:2 with linespoints pt 7 title "random+vanilla", \
     "docs/results/synthesizer_vs_dynconv/train_curves.dat" index 3 using 1:2 with linespoints pt 7 title "lightweight_conv", \
     "docs/results/synthesizer_vs_dynconv/train_curves.dat" index 4 using 1:2 with linespoints pt 7 title "dynamic_conv"
