"""The partners' modules of KISSoS as library code, each writing through the one audited write
path (:mod:`geo_kissos.accounts.audit`).

- :mod:`~geo_kissos.collect.needs`: municipalities' reported needs ("Obce – potřebnost"),
  with :mod:`~geo_kissos.collect.needs_template` for the XLSX template round trip; the
  comparison with the computed gaps is :func:`geo_kissos.analysis.needs.compare_needs`.
"""

from . import needs, needs_template
from .needs import needs_frame, set_need, visible_needs, write_entries
from .needs_template import read_template, template_workbook, upload_template

__all__ = ["needs", "needs_template", "needs_frame", "set_need", "visible_needs", "write_entries",
           "read_template", "template_workbook", "upload_template"]
