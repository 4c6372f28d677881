set terminal pngcairo size 900,560 noenhanced font 'sans,11'
set output "docs/results/performer_transfer/full/finetune_bpc.png"
set title "Vanilla LM weights in FAVOR+: test bpc during fine-tuning (full)"
set xlabel "fine-tune steps after the swap"
set ylabel "test bits per character"
set grid
set key outside right top
set linetype 9 lc rgb 'black' lw 2 dashtype 2
plot "docs/results/performer_transfer/full/finetune_bpc.dat" index 0 using 1:2 with linespoints pt 7 title "performer m = 16", "docs/results/performer_transfer/full/finetune_bpc.dat" index 0 using 1:2:3 with yerrorbars lc 1 pt 0 notitle, \
     "docs/results/performer_transfer/full/finetune_bpc.dat" index 1 using 1:2 with linespoints pt 7 title "performer m = 64", "docs/results/performer_transfer/full/finetune_bpc.dat" index 1 using 1:2:3 with yerrorbars lc 2 pt 0 notitle, \
     "docs/results/performer_transfer/full/finetune_bpc.dat" index 2 using 1:2 with linespoints pt 7 title "performer m = 256", "docs/results/performer_transfer/full/finetune_bpc.dat" index 2 using 1:2:3 with yerrorbars lc 3 pt 0 notitle, \
     "docs/results/performer_transfer/full/finetune_bpc.dat" index 3 using 1:2 with linespoints pt 7 title "vanilla, no swap (control)", "docs/results/performer_transfer/full/finetune_bpc.dat" index 3 using 1:2:3 with yerrorbars lc 4 pt 0 notitle, \
     "docs/results/performer_transfer/full/finetune_bpc.dat" index 4 using 1:2 with linespoints pt 7 title "vanilla before fine-tuning"
