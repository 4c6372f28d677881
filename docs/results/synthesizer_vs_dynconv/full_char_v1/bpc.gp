set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output "docs/results/synthesizer_vs_dynconv/full/bpc.png"
set title "KJV character LM: test bits per character (full)"
set xlabel "attention kind"
set ylabel "test bits per character"
set grid
set key outside right top
set style fill solid 0.6 border -1
set boxwidth 0.7
set xrange [-0.6:4.6]
set xtics rotate by -35 ("vanilla" 0, "random" 1, "random+vanilla" 2, "lightweight_conv" 3, "dynamic_conv" 4)
plot "docs/results/synthesizer_vs_dynconv/full/bpc.dat" index 0 using 1:2 with boxes title "bpc", "docs/results/synthesizer_vs_dynconv/full/bpc.dat" index 0 using 1:2:3 with yerrorbars lc 1 pt 0 notitle
