"""Counter transactions 柜台业务: the catalogue of kinds and the checks each declares
(BH-7, VA-1…VA-3)."""
