set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output "docs/results/synthesizer_vs_linformer/recall_train_curves.png"
set title "associative recall: training loss (quick, mean over seeds)"
set xlabel "step"
set ylabel "training loss (nats)"
set grid
set key outside right top
plot "docs/results/synthesizer_vs_linformer/recall_train_curves.dat" index 0 using 1:2 with linespoints pt 7 title "factorized_random", \
     "docs/results/synthesizer_vs_linformer/recall_train_curves.dat" index 1 using 1:2 with linespoints pt 7 title "factorized_dense", \
     "docs/results/synthesizer_vs_linformer/recall_train_curves.dat" index 2 using 1:2 with linespoints pt 7 title "linformer", \
     "docs/results/synthesizer_vs_linformer/recall_train_curves.dat" index 3 using 1:2 with linespoints pt 7 title "dense", \
     "docs/results/synthesizer_vs_linformer/recall_train_curves.dat" index 4 using 1:2 with linespoints pt 7 title "random", \
     "docs/results/synthesizer_vs_linformer/recall_train_curves.dat" index 5 using 1:2 with linespoints pt 7 title "vanilla"
