set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output './docs/results/attention_scaling/memory.png'
set title 'peak memory of one attention layer (forward + backward)'
set xlabel 'sequence length L'
set ylabel 'MiB above baseline'
set grid
set key outside right top
set logscale x
set logscale y
set arrow from 1024, graph 0 to 1024, graph 1 nohead dashtype 2 lc rgb 'gray'
set label 'crossover' at 1024, graph 0.95 offset 0.5, 0
plot './docs/results/attention_scaling/memory.dat' index 0 using 1:2 with linespoints pt 7 title 'vanilla', \
     './docs/results/attention_scaling/memory.dat' index 1 using 1:2 with linespoints pt 7 title 'vanilla unfused', \
     './docs/results/attention_scaling/memory.dat' index 2 using 1:2 with linespoints pt 7 title 'vanilla causal', \
     './docs/results/attention_scaling/memory.dat' index 3 using 1:2 with linespoints pt 7 title 'performer', \
     './docs/results/attention_scaling/memory.dat' index 4 using 1:2 with linespoints pt 7 title 'performer causal', \
     './docs/results/attention_scaling/memory.dat' index 5 using 1:2 with linespoints pt 7 title 'linformer', \
     './docs/results/attention_scaling/memory.dat' index 6 using 1:2 with linespoints pt 7 title 'random', \
     './docs/results/attention_scaling/memory.dat' index 7 using 1:2 with linespoints pt 7 title 'dense', \
     './docs/results/attention_scaling/memory.dat' index 8 using 1:2 with linespoints pt 7 title 'dynamic_conv', \
     './docs/results/attention_scaling/memory.dat' index 9 using 1:2 with linespoints pt 7 title 'local', \
     './docs/results/attention_scaling/memory.dat' index 10 using 1:2 with linespoints pt 7 title 'longformer', \
     './docs/results/attention_scaling/memory.dat' index 11 using 1:2 with linespoints pt 7 title 'bigbird', \
     './docs/results/attention_scaling/memory.dat' index 12 using 1:2 with linespoints pt 7 title 'sparse_transformer', \
     './docs/results/attention_scaling/memory.dat' index 13 using 1:2 with linespoints pt 7 title 'reformer', \
     './docs/results/attention_scaling/memory.dat' index 14 using 1:2 with linespoints pt 7 title 'sinkhorn'
