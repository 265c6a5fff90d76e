# Bye-Buy: one Makefile for the C services, the tests and the local stack.
# Sources are discovered by directory (see mk/build.mk), so adding a file needs no edit here.

.DEFAULT_GOAL := all
include mk/flags.mk
include mk/build.mk
include mk/stack.mk
include mk/fuzz.mk
