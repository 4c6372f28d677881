set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output "docs/results/lra_cpu/full/text_accuracy.png"
set title "LRA-CPU Text: test accuracy (full); dashed: majority class"
set xlabel "attention kind"
set ylabel "test accuracy (%)"
set grid
set key outside right top
set style fill solid 0.6 border -1
set boxwidth 0.7
set xrange [-0.6:8.6]
set xtics rotate by -35 ("vanilla" 0, "dense" 1, "random" 2, "fixed_random" 3, "factorized_dense" 4, "factorized_random" 5, "random+vanilla" 6, "performer" 7, "linformer" 8)
set yrange [0:100]
set arrow from graph 0, first 50.400000 to graph 1, first 50.400000 nohead dt 2 lw 2 lc rgb 'black'
plot "docs/results/lra_cpu/full/text_accuracy.dat" index 0 using 1:2 with boxes title "accuracy", "docs/results/lra_cpu/full/text_accuracy.dat" index 0 using 1:2:3 with yerrorbars lc 1 pt 0 notitle
