set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output './docs/results/lra_cpu/full/image_curves.png'
set title 'LRA-CPU Image: training loss, seed 0 (full)'
set xlabel 'step'
set ylabel 'training loss'
set grid
set key outside right top
plot './docs/results/lra_cpu/full/image_curves.dat' index 0 using 1:2 with linespoints pt 7 title 'transformer', \
     './docs/results/lra_cpu/full/image_curves.dat' index 1 using 1:2 with linespoints pt 7 title 'linformer', \
     './docs/results/lra_cpu/full/image_curves.dat' index 2 using 1:2 with linespoints pt 7 title 'synthesizer', \
     './docs/results/lra_cpu/full/image_curves.dat' index 3 using 1:2 with linespoints pt 7 title 'performer'
