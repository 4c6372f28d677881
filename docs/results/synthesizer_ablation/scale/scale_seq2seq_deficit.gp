set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output './docs/results/synthesizer_ablation/scale/scale_seq2seq_deficit.png'
set title 'KJV word reversal: exact-match deficit to vanilla (scale)'
set xlabel 'parameters (vanilla)'
set ylabel 'exact-match deficit to vanilla'
set grid
set key outside right top
set logscale x
set xzeroaxis
plot './docs/results/synthesizer_ablation/scale/scale_seq2seq_deficit.dat' index 0 using 1:2 with linespoints pt 7 title 'fixed_random', './docs/results/synthesizer_ablation/scale/scale_seq2seq_deficit.dat' index 0 using 1:2:3 with yerrorbars lc 1 pt 0 notitle, \
     './docs/results/synthesizer_ablation/scale/scale_seq2seq_deficit.dat' index 1 using 1:2 with linespoints pt 7 title 'random', './docs/results/synthesizer_ablation/scale/scale_seq2seq_deficit.dat' index 1 using 1:2:3 with yerrorbars lc 2 pt 0 notitle, \
     './docs/results/synthesizer_ablation/scale/scale_seq2seq_deficit.dat' index 2 using 1:2 with linespoints pt 7 title 'dense', './docs/results/synthesizer_ablation/scale/scale_seq2seq_deficit.dat' index 2 using 1:2:3 with yerrorbars lc 3 pt 0 notitle
