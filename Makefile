.PHONY: demo test
demo:  ## set up .venv and run the demo on the embedded local backend
	scripts/demo.sh
test:  ## set up .venv (+ chromium, slurm) and run the whole test suite
	scripts/test.sh
