set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output "results/performer_approximation/mse_scale0.5.png"
set title "FAVOR+ MSE vs features, L = 4096, d = 16, input scale 0.50"
set xlabel "random features m"
set ylabel "MSE vs exact softmax attention"
set grid
set key outside right top
set logscale x
set logscale y
plot "results/performer_approximation/mse_scale0.5.dat" index 0 using 1:2 with linespoints pt 7 title "positive iid", \
     "results/performer_approximation/mse_scale0.5.dat" index 1 using 1:2 with linespoints pt 7 title "positive orthogonal", \
     "results/performer_approximation/mse_scale0.5.dat" index 2 using 1:2 with linespoints pt 7 title "trig iid", \
     "results/performer_approximation/mse_scale0.5.dat" index 3 using 1:2 with linespoints pt 7 title "trig orthogonal"
