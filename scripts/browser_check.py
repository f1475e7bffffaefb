#!/usr/bin/env python3
"""Open the pages `outsim run` wrote in a real browser, offline, and check they load.

Every `index.html`, every `report.html` and every `charts/board_summary.svg` below the
folders given is opened in Debian's headless Chromium, driven through chromedriver by
Selenium, from a file:// URL with every network host unresolvable. A page fails when the
browser's console logs an error (a SEVERE entry), when any `<img>` has not loaded
(`naturalWidth == 0` once scrolled into view), or when it fetched anything over the
network. A full-page screenshot of each page is written under the screenshot folder
(default `target/ci/`) and its path printed.

Usage: browser_check.py [--screenshots DIR] FOLDER...
Exit status 0 when every page passes, 1 otherwise, 2 when the browser cannot start.
Needs the Debian packages chromium, chromium-driver and python3-selenium.
"""

import argparse
import shutil
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

PAGES = ("index.html", "report.html", "board_summary.svg")
LOAD_TIMEOUT_S = 30
WIDTH, MAX_HEIGHT = 1400, 12000

# Every <img> scrolled into view, then those that have not loaded.
BROKEN_IMAGES = """
const done = arguments[arguments.length - 1];
const images = Array.from(document.images);
images.forEach(img => { img.loading = 'eager'; img.scrollIntoView(); });
const settle = () => Promise.all(images.map(img => img.complete ? null :
    new Promise(ok => { img.onload = ok; img.onerror = ok; setTimeout(ok, 5000); })));
settle().then(() => done({
    total: images.length,
    broken: images.filter(img => img.naturalWidth === 0)
                  .map(img => (img.currentSrc || img.src || '(no src)').slice(0, 120)),
}));
"""

# Resources fetched from anywhere but the disk or the page itself.
NETWORK_FETCHES = """
return performance.getEntriesByType('resource').map(e => e.name)
    .filter(name => !/^(file|data|blob|about):/.test(name));
"""


def find(name, *candidates):
    for candidate in candidates:
        path = shutil.which(candidate)
        if path:
            return path
    sys.exit(f"browser_check: {name} not found (tried {', '.join(candidates)}): "
             "install chromium and chromium-driver")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = find("chromium", "chromium", "chromium-browser")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--allow-file-access-from-files", "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--window-size={WIDTH},900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=find("chromedriver", "chromedriver"))
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except WebDriverException as e:
        print(f"browser_check: the browser did not start: {e.msg}", file=sys.stderr)
        sys.exit(2)
    driver.set_page_load_timeout(LOAD_TIMEOUT_S)
    driver.set_script_timeout(LOAD_TIMEOUT_S)
    return driver


def screenshot_name(page, root):
    relative = page.relative_to(root) if page.is_relative_to(root) else Path(page.name)
    return "_".join(relative.with_suffix("").parts) + ".png"


def check_page(driver, page, root, shots):
    """The problems of one page (empty when it passes); writes its screenshot."""
    problems = []
    driver.get_log("browser")  # drop whatever an earlier page left
    driver.get(page.resolve().as_uri())
    deadline = time.monotonic() + LOAD_TIMEOUT_S
    while driver.execute_script("return document.readyState") != "complete":
        if time.monotonic() > deadline:
            problems.append("did not finish loading")
            break
        time.sleep(0.1)
    images = driver.execute_async_script(BROKEN_IMAGES)
    for src in images["broken"]:
        problems.append(f"image not loaded: {src}")
    for url in driver.execute_script(NETWORK_FETCHES):
        problems.append(f"fetched over the network: {url}")
    for entry in driver.get_log("browser"):
        if entry.get("level") == "SEVERE":
            problems.append(f"console error: {entry.get('message')}")
    height = driver.execute_script(
        "return Math.max(document.documentElement.scrollHeight,"
        " document.body ? document.body.scrollHeight : 0)") or 900
    driver.set_window_size(WIDTH, min(max(int(height), 600), MAX_HEIGHT))
    driver.execute_script("window.scrollTo(0, 0)")
    shot = shots / screenshot_name(page, root)
    if not driver.save_screenshot(str(shot)):
        problems.append(f"no screenshot written to {shot}")
    driver.set_window_size(WIDTH, 900)
    print(f"{'ok    ' if not problems else 'FAILED'} {page} "
          f"({images['total']} images); screenshot: {shot}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--screenshots", type=Path, default=Path("target/ci"))
    args = parser.parse_args()
    pages = sorted({p for folder in args.folders for name in PAGES
                    for p in folder.rglob(name)})
    if not pages:
        print(f"browser_check: no page found below {args.folders}", file=sys.stderr)
        return 1
    args.screenshots.mkdir(parents=True, exist_ok=True)
    root = args.folders[0]
    driver = browser()
    failed = 0
    try:
        for page in pages:
            problems = check_page(driver, page, root, args.screenshots)
            for problem in problems:
                print(f"    {problem}")
            failed += bool(problems)
    finally:
        driver.quit()
    print(f"browser_check: {len(pages)} page(s)")
    print(f"{len(pages) - failed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
