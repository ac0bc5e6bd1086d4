"""Problem formats: a package on disk read into one problem model; the library of problems."""
