// beaver-probe: run inside a guest; says which TEE is active and whether the
// guest qualifies as confidential. Static, no dependencies but libc/libstdc++.
#include "probe/probe.h"

int main(int argc, char** argv) { return beaver::probe::run_main(argc, argv); }
