// main_attnlab.cpp — the attnlab command-line tool (build/bin/attnlab); everything is in cli.cpp.
#include "engine/launch.h"
#include "train/cli.h"

int main(int argc, char** argv) {
    attnlab::configure_process();  // first: OpenBLAS loads with its core type (engine/launch.h)
    return attnlab::run_cli(argc, argv);
}
