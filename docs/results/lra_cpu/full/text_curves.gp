set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output './docs/results/lra_cpu/full/text_curves.png'
set title 'LRA-CPU Text: training loss, seed 0 (full)'
set xlabel 'step'
set ylabel 'training loss'
set grid
set key outside right top
plot './docs/results/lra_cpu/full/text_curves.dat' index 0 using 1:2 with linespoints pt 7 title 'transformer', \
     './docs/results/lra_cpu/full/text_curves.dat' index 1 using 1:2 with linespoints pt 7 title 'local', \
     './docs/results/lra_cpu/full/text_curves.dat' index 2 using 1:2 with linespoints pt 7 title 'sparse_transformer', \
     './docs/results/lra_cpu/full/text_curves.dat' index 3 using 1:2 with linespoints pt 7 title 'longformer', \
     './docs/results/lra_cpu/full/text_curves.dat' index 4 using 1:2 with linespoints pt 7 title 'linformer', \
     './docs/results/lra_cpu/full/text_curves.dat' index 5 using 1:2 with linespoints pt 7 title 'reformer', \
     './docs/results/lra_cpu/full/text_curves.dat' index 6 using 1:2 with linespoints pt 7 title 'sinkhorn', \
     './docs/results/lra_cpu/full/text_curves.dat' index 7 using 1:2 with linespoints pt 7 title 'synthesizer', \
     './docs/results/lra_cpu/full/text_curves.dat' index 8 using 1:2 with linespoints pt 7 title 'bigbird', \
     './docs/results/lra_cpu/full/text_curves.dat' index 9 using 1:2 with linespoints pt 7 title 'linear_transformer', \
     './docs/results/lra_cpu/full/text_curves.dat' index 10 using 1:2 with linespoints pt 7 title 'performer', \
     './docs/results/lra_cpu/full/text_curves.dat' index 11 using 1:2 with linespoints pt 7 title 'favor_plus', \
     './docs/results/lra_cpu/full/text_curves.dat' index 12 using 1:2 with linespoints pt 7 title 'synthesizer_learned', \
     './docs/results/lra_cpu/full/text_curves.dat' index 13 using 1:2 with linespoints pt 7 title 'random', \
     './docs/results/lra_cpu/full/text_curves.dat' index 14 using 1:2 with linespoints pt 7 title 'dense'
