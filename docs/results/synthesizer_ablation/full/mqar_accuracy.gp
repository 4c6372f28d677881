set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output './docs/results/synthesizer_ablation/full/mqar_accuracy.png'
set title 'MQAR, 4 pairs: test accuracy at the queries (full)'
set xlabel 'attention kind'
set ylabel 'test accuracy at the queries'
set grid
set key outside right top
set style fill solid 0.6 border -1
set boxwidth 0.7
set xrange [-0.6:8.6]
set xtics rotate by -35 ('vanilla' 0, 'fixed_random' 1, 'random' 2, 'factorized_random' 3, 'dense' 4, 'factorized_dense' 5, 'random+dense' 6, 'random+vanilla' 7, 'dense+vanilla' 8)
plot './docs/results/synthesizer_ablation/full/mqar_accuracy.dat' index 0 using 1:2 with boxes title 'accuracy', './docs/results/synthesizer_ablation/full/mqar_accuracy.dat' index 0 using 1:2:3 with yerrorbars lc 1 pt 0 notitle
