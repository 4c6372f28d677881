set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output './docs/results/lra_cpu/full/pathfinder_curves.png'
set title 'LRA-CPU Pathfinder: training loss, seed 0 (full)'
set xlabel 'step'
set ylabel 'training loss'
set grid
set key outside right top
plot './docs/results/lra_cpu/full/pathfinder_curves.dat' index 0 using 1:2 with linespoints pt 7 title 'transformer'
