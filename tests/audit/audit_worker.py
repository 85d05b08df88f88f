"""A process that works on the log until it is killed: ``write`` appends person views (an
audit event and a decision in one transaction each), ``checkpoint`` sequences and signs
over and over. The crash test kills both with SIGKILL mid-work.

    python audit_worker.py write|checkpoint DATABASE_URL KEY_FILE
"""

from __future__ import annotations

import sys
from pathlib import Path

from log_support import write_entries

import joinedup.schema  # noqa: F401 - every logged table registered
from joinedup.audit.checkpoints import load_signer
from joinedup.audit.log import make_checkpoint
from joinedup.db import make_engine


def main(role: str, url: str, key: str) -> None:
    engine = make_engine(url)
    signer = load_signer(Path(key), "hub.example.org/audit")
    print("ready", flush=True)
    number = 0
    while True:
        if role == "write":
            write_entries(engine, 20, start=number)
            number += 20
        else:
            make_checkpoint(engine, signer)


if __name__ == "__main__":
    main(*sys.argv[1:])
