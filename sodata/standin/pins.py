"""The stand-in generator's expected output: the sha256 of the corpus files it writes for the
default scales (their own knobs) and seed 0, by generator version ("scale/seed" -> file -> sha256).

Reusing such a data set and ``python -m sodata verify`` check its files against these, not
against its own manifest, so a file changed together with its manifest is caught. The vectors
file is not pinned: its bytes depend on the installed gensim and numpy (its manifest's sha256 is
checked). Written by ``python -m sodata pin`` (sodata/standin/pinning.py); do not edit by hand.
"""

PINS: dict[str, dict[str, dict[str, str]]] = {
    "6": {
        "full/0": {
            "test.tsv": "0d13a8a7cc92bab3ce2c98bbd9b0e256b9986b19f35231a34f3fcfa4f2f7b7c2",
            "train.tsv": "cbd19e8c88f677a1107175bdf1936836a30b2791969916d979e074ccf6bfa267",
            "validation.tsv": "80c3ac9f6b2a2b8c4b952b678671611cb7497a9f4d0b41ef636f332072e646a6"
        },
        "sample/0": {
            "test.tsv": "3345d4290b0b80cfb09a48e3e538b39f55de111b306df4b4499567da9f59d309",
            "train.tsv": "626ff870e1f6f35bbf85d4491faa55719c258d10c5ca2c8eaffed7a0fa4cc8f1",
            "validation.tsv": "204923aea2e4dba6d5f8b4d6e3b66680ee2baa2e348241b8b6159297b3364f70"
        },
        "tiny/0": {
            "test.tsv": "dbb94fe1d6e4d966b5724fb84a18d5aaf003c97b9f69f5b8ef8b9b58e5ee3fc9",
            "train.tsv": "b669bfbc049c6ec91066262d56c7ac3bd2c1f3f9ffbc37ec16665d148fd51d4f",
            "validation.tsv": "043a57d21449bb91cc4a94ad8dfc8ae4bfed04de2a050195efd15461b6368a09"
        }
    }
}
