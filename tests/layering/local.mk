# The layering check: the dependency direction of DESIGN.md over src/ and include/.
TESTS += tests/layering/layering.sh
EXTRA_DIST += tests/layering/layering.sh tests/layering/check_layers.py
