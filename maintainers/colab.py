"""The notebooks' Colab set-up: one source for the cell every notebook opens with, and its badge.

On Google Colab (``google.colab`` in ``sys.modules``) the cell

1. gets the repository into ``/content/so-duplicates``: ``git clone REPO_URL``, or, with
   ``REPO_URL = ""``, a zip of the repository uploaded to ``/content`` (GitHub's "Download ZIP");
2. installs it into Colab's Python WITHOUT touching Colab's torch: the dependencies listed in
   its ``pyproject.toml`` less torch (and anything torch-related), then the package itself with
   ``--no-deps``; Colab's CUDA torch satisfies the package's torch range;
3. gets the data: the stand-in by default (``python -m sodata standin``), or the real data
   (``python -m sodata download``, what ``make data`` runs) with ``DATA = "real"``;
4. puts the repository on the kernel's path and moves into ``notebooks/``, so the notebook's
   ``import hw_utils`` and ``../test_gt.json`` work as they do locally.

Elsewhere the cell does nothing. Running it again reuses the clone and the data.

``python -m maintainers.nbtools colab --repo https://github.com/OWNER/REPO`` writes a note with the
"Open in Colab" badge and the cell right after every notebook's title (replacing earlier ones),
the cell collapsed (JupyterLab's ``source_hidden``, Colab's form view: its ``@title`` line
shows). Without ``--repo`` the URL is the placeholder below: the note has no badge (it would
open nothing) and says how to use the cell with an uploaded zip; the cell refuses a clone with
a message saying what to set.
"""
import json
import re

PLACEHOLDER_REPO = "https://github.com/OWNER/REPO"
COLAB_HOME = "/content"
DEFAULT_BRANCH = "main"
CELL_TAG = "colab-setup"
BADGE_TAG = "colab-badge"
# Package names the cell never installs: Colab's torch and what comes with it stay as they are.
TORCH_RELATED = re.compile(r"torch\w*|triton|nvidia-.*", re.IGNORECASE)  # fullmatch a name
GITHUB_URL = re.compile(r"^https://github\.com/(?P<slug>[\w.-]+/[\w.-]+?)(\.git)?/?$")

# __REPO_URL__, __HOME__ and __TORCH_RELATED__ are filled in by cell_source(); the rest is the cell as it runs.
CELL_TEMPLATE = '''\
# @title Set-up on Google Colab (run it first there; elsewhere it does nothing)
# Google Colab only: installs this repository into Colab's Python (keeping Colab's own torch) and
# gets the data. Elsewhere this cell does nothing: use `make setup` (see the README).
REPO_URL = __REPO_URL__  # the repository to clone; or upload its zip to /content and set ""
DATA = "standin"  # "standin": generate the stand-in data (a minute); "real": download the real data (1.7 GB)

import sys

if "google.colab" in sys.modules:
    import glob, os, re, shutil, subprocess, tomllib, zipfile

    def _fetch_repository(repo_url, root):
        if repo_url and "OWNER/REPO" not in repo_url:
            subprocess.check_call(["git", "clone", "--depth", "1", repo_url, root])
            return
        for path in sorted(glob.glob(os.path.join(os.path.dirname(root), "*.zip"))):
            with zipfile.ZipFile(path) as archive:
                tops = {n[:-len("pyproject.toml")] for n in archive.namelist()
                        if re.fullmatch(r"([^/]+/)?pyproject\\.toml", n)}
                if len(tops) == 1:  # the repository, at the top or in one folder (REPO-main/)
                    unpacked = root + ".unzipped"
                    shutil.rmtree(unpacked, ignore_errors=True)
                    archive.extractall(unpacked)
                    os.rename(os.path.join(unpacked, tops.pop()), root)
                    shutil.rmtree(unpacked, ignore_errors=True)
                    return
        raise RuntimeError("No repository: set REPO_URL at the top of this cell to its URL, or upload "
                           "a zip of it (GitHub: Code > Download ZIP) to /content and set REPO_URL = \\"\\"; "
                           "then run this cell again.")

    def _colab_setup(repo_url, data, home=__HOME__):
        if data not in ("standin", "real"):
            raise ValueError(f"DATA = {data!r}: use \\"standin\\" or \\"real\\"")
        root = os.path.join(home, "so-duplicates")
        if not os.path.isfile(os.path.join(root, "pyproject.toml")):
            _fetch_repository(repo_url, root)
        with open(os.path.join(root, "pyproject.toml"), "rb") as file:
            requirements = tomllib.load(file)["project"]["dependencies"]
        keep = [r for r in requirements
                if not re.fullmatch(__TORCH_RELATED__, re.match(r"[\\w.-]+", r).group(), re.I)]
        pip = [sys.executable, "-m", "pip", "install", "--quiet"]
        subprocess.check_call(pip + keep)
        subprocess.check_call(pip + ["--no-deps", "--editable", root, "--config-settings", "editable_mode=compat"])
        if data == "real":
            subprocess.check_call([sys.executable, "-m", "sodata", "download"], cwd=root)
        else:
            subprocess.check_call([sys.executable, "-m", "sodata", "standin", "--scale", "sample", "--seed", "0"], cwd=root)
        os.environ["HW_DATASET"] = "real" if data == "real" else "sample"
        if root not in sys.path:
            sys.path.insert(0, root)
        os.chdir(os.path.join(root, "notebooks"))
        print(f"Ready: the repository is in {root} (edit hw_utils/ there, in the Files pane), "
              f"data set {os.environ['HW_DATASET']!r}.")

    _colab_setup(REPO_URL, DATA)
'''


def cell_source(repo_url: str = PLACEHOLDER_REPO, home: str = COLAB_HOME) -> str:
    """The Colab cell for ``repo_url``; ``home`` is Colab's working folder (tests use another)."""
    return (CELL_TEMPLATE.replace("__REPO_URL__", json.dumps(repo_url))
            .replace("__HOME__", json.dumps(home))
            .replace("__TORCH_RELATED__", f'r"{TORCH_RELATED.pattern}"'))


def github_slug(repo_url: str) -> str:
    """``OWNER/REPO`` of a GitHub URL (``https://github.com/OWNER/REPO[.git]``)."""
    match = GITHUB_URL.match(repo_url)
    if not match:
        raise ValueError(f"--repo {repo_url!r}: expected https://github.com/OWNER/REPO "
                         f"(Colab's badge opens notebooks from GitHub)")
    return match.group("slug")


# The set-up cell's metadata: collapsed in JupyterLab (source_hidden) and in Colab (form view).
CELL_METADATA = {"jupyter": {"source_hidden": True}, "cellView": "form"}


def badge_source(repo_url: str, notebook_name: str, branch: str = DEFAULT_BRANCH) -> str:
    """The note before the set-up cell: with a GitHub ``repo_url``, an "Open in Colab" badge for
    ``notebooks/<notebook_name>``; with the placeholder, how to use the cell without one."""
    if repo_url == PLACEHOLDER_REPO:
        return ("**On Google Colab:** upload a zip of this repository (GitHub: *Code > Download "
                "ZIP*) to `/content`, set `REPO_URL = \"\"` in the next cell and run it first: it "
                "installs the repository and gets the data. Elsewhere it does nothing.")
    url = (f"https://colab.research.google.com/github/{github_slug(repo_url)}/blob/{branch}/"
           f"notebooks/{notebook_name}")
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})\n"
            f"\n"
            f"**On Google Colab:** run the next cell first: it installs the repository and gets "
            f"the data. Elsewhere it does nothing.")
