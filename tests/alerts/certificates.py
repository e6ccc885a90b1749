"""A certificate authority of the test's own, and a server certificate it signs, made
with the openssl command: https receivers on 127.0.0.1 whose names can be checked."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Authority:
    folder: Path

    @property
    def ca(self) -> Path:
        return self.folder / "ca.pem"

    def client(self) -> ssl.SSLContext:
        """A client context that trusts this authority only."""
        return ssl.create_default_context(cafile=str(self.ca))

    def server(self, name: str) -> ssl.SSLContext:
        """A server context with a certificate for ``name`` signed by this authority."""
        key, csr, cert = (self.folder / f"{name}.{ext}" for ext in ("key", "csr", "pem"))
        extensions = self.folder / f"{name}.ext"
        extensions.write_text(
            f"subjectAltName=DNS:{name}\nextendedKeyUsage=serverAuth\n"
            "basicConstraints=critical,CA:FALSE\n"
        )
        _openssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            csr,
            "-subj",
            f"/CN={name}",
        )
        _openssl(
            "x509",
            "-req",
            "-in",
            csr,
            "-CA",
            self.ca,
            "-CAkey",
            self.folder / "ca.key",
            "-CAcreateserial",
            "-out",
            cert,
            "-days",
            "1",
            "-extfile",
            extensions,
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        return context


def _openssl(*args: object) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=60)


def authority(folder: Path) -> Authority:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed: no test certificates")
    folder.mkdir(parents=True, exist_ok=True)
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-keyout",
        folder / "ca.key",
        "-out",
        folder / "ca.pem",
        "-subj",
        "/CN=Codvid test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    return Authority(folder)
