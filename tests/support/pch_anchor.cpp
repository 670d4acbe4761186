int lorastudio_test_pch_anchor = 0;
