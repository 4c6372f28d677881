// main_attnlab.cpp — the attnlab command-line tool (build/bin/attnlab); everything is in cli.cpp.
#include "train/cli.h"

int main(int argc, char** argv) {
    return attnlab::run_cli(argc, argv);
}
