#ifndef PROVABLE_CBLAS_SHIM_H
#define PROVABLE_CBLAS_SHIM_H
// Debian's libopenblas-dev installs cblas.h under the multiarch include dir (on the default path).
#include <cblas.h>
#include <lapacke.h>
// OpenBLAS extensions (declared in cblas.h on Debian; repeated here in case the alternative points elsewhere).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);
#endif
