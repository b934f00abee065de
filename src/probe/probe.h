// The probe's entry point (see main.cpp); the pieces are in the other
// headers of src/probe/.
#pragma once

namespace beaver::probe {

int run_main(int argc, char** argv);

}  // namespace beaver::probe
