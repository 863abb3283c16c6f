import os
import random

import pytest

from collection import sample_spec


_CREATED: list[str] = []


def pytest_configure(config):
    # One sprite cache for the whole run, in a fresh folder: tests never read or write the user's
    # ~/.cache, and spawned worker processes inherit the variable.
    if "AIMI_SPRITE_CACHE" not in os.environ:
        import tempfile

        os.environ["AIMI_SPRITE_CACHE"] = tempfile.mkdtemp(prefix="aimi-sprites-")
        _CREATED.append(os.environ["AIMI_SPRITE_CACHE"])
    os.environ.setdefault("AIMI_QUIET", "1")


def pytest_unconfigure(config):
    import shutil

    for folder in _CREATED:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def specs():
    """Forty random specs from a private generator."""
    rng = random.Random(1234)
    return [sample_spec(rng) for _ in range(40)]


# --- real-browser tests: Debian's Chromium through Playwright, only 127.0.0.1 reachable ---------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def need_browser():
    missing = []
    if not os.path.exists(CHROMIUM):
        missing.append("Debian's chromium (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -e '.[test]')")
    if missing:
        message = "browser test needs " + " and ".join(missing) + "; `bash run.sh test` installs both"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


class _QuietHandler(__import__("http.server").server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """A static file server on 127.0.0.1 over ``tmp_path``: yields (folder, base URL)."""
    import functools
    import http.server
    import threading

    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def chromium(tmp_path_factory):
    """``new_page(base, viewport=None, intercept=None)``: a page whose requests to ``base`` go
    through, whose requests ``intercept(route)`` handles (returns True) are answered by the test,
    and whose every other request is aborted."""
    need_browser()
    from playwright.sync_api import sync_playwright

    contexts = []
    with sync_playwright() as p:
        def new_page(base, viewport=None, intercept=None):
            profile = tmp_path_factory.mktemp("chromium-profile")
            context = p.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                viewport=viewport or {"width": 900, "height": 700}, device_scale_factor=1)
            contexts.append(context)
            page = context.new_page()

            def route(r):
                if intercept is not None and intercept(r):
                    return
                if r.request.url.startswith(base):
                    r.continue_()
                else:
                    r.abort()

            page.route("**/*", route)
            return page

        yield new_page
        for context in contexts:
            context.close()


# --- training: one dataset cache at 32 px for the whole run ------------------------------------

@pytest.fixture(scope="session")
def data_root(tmp_path_factory):
    """A dataset cache with the train and val splits at 32 px (rendered once, a few seconds)."""
    from aimi.cache import materialize

    root = tmp_path_factory.mktemp("aimi-home")
    for split in ("train", "val", "test"):
        materialize(split, 32, root, progress=False)
    return root


@pytest.fixture(scope="session")
def smoke_runs(tmp_path_factory, data_root):
    """Smoke-trained ``imi`` and ``imi_sim`` run folders (seconds each), shared by the session."""
    from benchmark.training.train import TrainConfig, train

    folder = tmp_path_factory.mktemp("smoke-runs")
    for name in ("imi", "imi_sim"):
        train(TrainConfig.from_preset(name, "smoke", threads=1), folder / name, root=data_root, progress=False)
    return folder
