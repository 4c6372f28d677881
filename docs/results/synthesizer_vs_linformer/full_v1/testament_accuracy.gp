set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output "docs/results/synthesizer_vs_linformer/full/testament_accuracy.png"
set title "KJV testament classification: test accuracy (full)"
set xlabel "attention kind"
set ylabel "test accuracy"
set grid
set key outside right top
set style fill solid 0.6 border -1
set boxwidth 0.7
set xrange [-0.6:5.6]
set xtics rotate by -35 ("factorized_random" 0, "factorized_dense" 1, "linformer" 2, "dense" 3, "random" 4, "vanilla" 5)
plot "docs/results/synthesizer_vs_linformer/full/testament_accuracy.dat" index 0 using 1:2 with boxes title "accuracy", "docs/results/synthesizer_vs_linformer/full/testament_accuracy.dat" index 0 using 1:2:3 with yerrorbars lc 1 pt 0 notitle
