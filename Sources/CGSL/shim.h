#ifndef PROVABLE_CGSL_SHIM_H
#define PROVABLE_CGSL_SHIM_H
// Only GSL headers that do not pull in gsl_cblas.h (its enums clash with OpenBLAS's cblas.h).
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_errno.h>
#endif
