"""Build PDFs for tests with fpdf2 (synthetic letters only)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import EncryptionMethod


def make_pdf(text: str, path: Path, *, encrypt: bool = True, user_password: str = "") -> Path:
    """One PDF line per text line, a new page at each form feed, AES-128 like the DWC's PDFs."""
    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_font("Helvetica", size=9)
    for page in text.split("\f"):
        if not page.strip():
            continue
        pdf.add_page()
        for line in page.split("\n"):
            pdf.cell(0, 4.2, line, new_x="LMARGIN", new_y="NEXT")
    if encrypt:
        pdf.set_encryption(
            owner_password="owner-secret",
            user_password=user_password,
            encryption_method=EncryptionMethod.AES_128,
        )
    pdf.output(str(path))
    return path


def make_image_only_pdf(path: Path) -> Path:
    """A PDF whose only page content is a drawing: no text layer, as a scan would be."""
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")
    pdf.output(str(path))
    return path
