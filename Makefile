# The two commands of the README, and the checks CI runs. Everything installs itself:
# uv from PyPI if missing, Python packages from uv.lock, Chromium from Debian for browser tests.
UV := python3 -m uv
PYTEST_ARGS ?=

.PHONY: run test check uv chromium

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv>=0.5" \
		|| python3 -m pip install --quiet --user "uv>=0.5"

chromium:
	@test -x /usr/bin/chromium || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

run: uv
	$(UV) run --frozen --no-dev clipcart run --demo

test: uv chromium
	$(UV) sync --frozen --quiet
	$(UV) run --frozen pytest -n 2 $(PYTEST_ARGS)

check: uv
	$(UV) sync --frozen --quiet
	$(UV) run --frozen ruff format --check clipcart tests bench
	$(UV) run --frozen ruff check clipcart tests bench
	$(UV) run --frozen clipcart makemigrations --check --dry-run
	$(UV) run --frozen mypy clipcart
