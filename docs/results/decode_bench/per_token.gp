set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output './docs/results/decode_bench/per_token.png'
set title 'greedy generation: time per new token'
set xlabel 'context length'
set ylabel 'ms per token'
set grid
set key outside right top
set logscale x
set logscale y
set key font ',8'
plot './docs/results/decode_bench/per_token.dat' index 0 using 1:2 with linespoints pt 7 title 'vanilla', \
     './docs/results/decode_bench/per_token.dat' index 1 using 1:2 with linespoints pt 7 title 'vanilla (whole prefix)', \
     './docs/results/decode_bench/per_token.dat' index 2 using 1:2 with linespoints pt 7 title 'dense', \
     './docs/results/decode_bench/per_token.dat' index 3 using 1:2 with linespoints pt 7 title 'factorized_dense', \
     './docs/results/decode_bench/per_token.dat' index 4 using 1:2 with linespoints pt 7 title 'random', \
     './docs/results/decode_bench/per_token.dat' index 5 using 1:2 with linespoints pt 7 title 'fixed_random', \
     './docs/results/decode_bench/per_token.dat' index 6 using 1:2 with linespoints pt 7 title 'factorized_random', \
     './docs/results/decode_bench/per_token.dat' index 7 using 1:2 with linespoints pt 7 title 'performer', \
     './docs/results/decode_bench/per_token.dat' index 8 using 1:2 with linespoints pt 7 title 'performer (whole prefix)', \
     './docs/results/decode_bench/per_token.dat' index 9 using 1:2 with linespoints pt 7 title 'lightweight_conv', \
     './docs/results/decode_bench/per_token.dat' index 10 using 1:2 with linespoints pt 7 title 'dynamic_conv', \
     './docs/results/decode_bench/per_token.dat' index 11 using 1:2 with linespoints pt 7 title 'local', \
     './docs/results/decode_bench/per_token.dat' index 12 using 1:2 with linespoints pt 7 title 'longformer', \
     './docs/results/decode_bench/per_token.dat' index 13 using 1:2 with linespoints pt 7 title 'bigbird', \
     './docs/results/decode_bench/per_token.dat' index 14 using 1:2 with linespoints pt 7 title 'sparse_transformer', \
     './docs/results/decode_bench/per_token.dat' index 15 using 1:2 with linespoints pt 7 title 'linear_transformer', \
     './docs/results/decode_bench/per_token.dat' index 16 using 1:2 with linespoints pt 7 title 'random+vanilla'
