// Anchor translation unit that carries the precompiled header.
int lorastudio_pch_anchor = 0;
