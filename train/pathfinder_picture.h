// pathfinder_picture.h — a sheet of Pathfinder examples as one heat map (train/plot.h), what
// `attnlab pathfinder-samples` draws: the first `per_label` examples of each label side by side,
// label 1 (dots joined) in the top row and label 0 below, framed by a grey border.
#pragma once

#include "train/data/pathfinder.h"
#include "train/plot.h"

namespace attnlab {

// Examples 1, 3, 5, ... (label 1) across the top, 0, 2, 4, ... (label 0) across the bottom; the
// data must hold 2 × per_label examples. Ink is 1, background 0, the frame 0.35.
Heatmap pathfinder_picture(const Pathfinder& data, int64_t per_label);

}  // namespace attnlab
