set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output './docs/results/synthesizer_ablation/scale/scale_lm_deficit.png'
set title 'KJV subword LM: relative log-perplexity gap to vanilla (scale)'
set xlabel 'parameters (vanilla)'
set ylabel 'relative log-perplexity gap to vanilla (%)'
set grid
set key outside right top
set logscale x
set xzeroaxis
plot './docs/results/synthesizer_ablation/scale/scale_lm_deficit.dat' index 0 using 1:2 with linespoints pt 7 title 'fixed_random', './docs/results/synthesizer_ablation/scale/scale_lm_deficit.dat' index 0 using 1:2:3 with yerrorbars lc 1 pt 0 notitle, \
     './docs/results/synthesizer_ablation/scale/scale_lm_deficit.dat' index 1 using 1:2 with linespoints pt 7 title 'random', './docs/results/synthesizer_ablation/scale/scale_lm_deficit.dat' index 1 using 1:2:3 with yerrorbars lc 2 pt 0 notitle, \
     './docs/results/synthesizer_ablation/scale/scale_lm_deficit.dat' index 2 using 1:2 with linespoints pt 7 title 'dense', './docs/results/synthesizer_ablation/scale/scale_lm_deficit.dat' index 2 using 1:2:3 with yerrorbars lc 3 pt 0 notitle, \
     './docs/results/synthesizer_ablation/scale/scale_lm_deficit.dat' index 3 using 1:2 with linespoints pt 7 title 'random+dense', './docs/results/synthesizer_ablation/scale/scale_lm_deficit.dat' index 3 using 1:2:3 with yerrorbars lc 4 pt 0 notitle, \
     './docs/results/synthesizer_ablation/scale/scale_lm_deficit.dat' index 4 using 1:2 with linespoints pt 7 title 'random+vanilla', './docs/results/synthesizer_ablation/scale/scale_lm_deficit.dat' index 4 using 1:2:3 with yerrorbars lc 5 pt 0 notitle
