#pragma once
// The main() of every test: Qt Test's, after use_best_blas_kernels (tests run OpenBLAS with the kernels the
// programs use; see core/util/blas_kernels.h).
#include <QtTest>

#include "core/util/blas_kernels.h"

// No QCoreApplication (most suites).
#define LORASTUDIO_TEST_MAIN(TestObject) QTEST_MAIN_WRAPPER(TestObject, lorastudio::use_best_blas_kernels(argv);)
// With a QCoreApplication (event loops, QSignalSpy on queued signals).
#define LORASTUDIO_GUILESS_TEST_MAIN(TestObject) \
  QTEST_MAIN_WRAPPER(TestObject, lorastudio::use_best_blas_kernels(argv); QTEST_QAPP_SETUP(QCoreApplication))
// With a QApplication (widgets).
#define LORASTUDIO_GUI_TEST_MAIN(TestObject) \
  QTEST_MAIN_WRAPPER(TestObject, lorastudio::use_best_blas_kernels(argv); QTEST_MAIN_SETUP())
