# The layering check: the dependency direction of DESIGN.md over src/ and include/.
TESTS += tests/layering/layering.sh
EXTRA_DIST += tests/layering/layering.sh tests/layering/check_layers.py
# banned.h: each banned function fails to compile with src/'s flags.
TESTS += tests/layering/banned.sh
EXTRA_DIST += tests/layering/banned.sh
# For tests/layering/banned.sh: compiles LG_TRY_SRC as a file of src/ is compiled.
lg-try-compile:
	$(COMPILE) -c -o $(LG_TRY_OBJ) $(LG_TRY_SRC)
.PHONY: lg-try-compile
