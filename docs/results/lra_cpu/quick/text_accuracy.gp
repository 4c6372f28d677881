set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output './docs/results/lra_cpu/quick/text_accuracy.png'
set title 'LRA-CPU Text: test accuracy (quick); dashed: majority class'
set xlabel 'row'
set ylabel 'test accuracy (%)'
set grid
set key outside right top
set style fill solid 0.6 border -1
set boxwidth 0.7
set xrange [-0.6:14.6]
set xtics rotate by -35 ('transformer' 0, 'local' 1, 'sparse_transformer' 2, 'longformer' 3, 'linformer' 4, 'reformer' 5, 'sinkhorn' 6, 'synthesizer' 7, 'bigbird' 8, 'linear_transformer' 9, 'performer' 10, 'favor_plus' 11, 'synthesizer_learned' 12, 'random' 13, 'dense' 14)
set yrange [0:100]
set xtics rotate by -45
set arrow from graph 0, first 50.4 to graph 1, first 50.4 nohead dt 2 lw 2 lc rgb 'black'
plot './docs/results/lra_cpu/quick/text_accuracy.dat' index 0 using 1:2 with boxes title 'accuracy', './docs/results/lra_cpu/quick/text_accuracy.dat' index 0 using 1:2:3 with yerrorbars lc 1 pt 0 notitle
