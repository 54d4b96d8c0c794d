#!/usr/bin/env bash
# Screenshot redaction (tousu.privacy.ocr) runs Debian's Tesseract with the chi_sim data (never a
# model downloaded at run time); the evaluation renders with Noto CJK.
set -euo pipefail
if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx chi_sim \
  && fc-list :lang=zh 2>/dev/null | grep -q .; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's tesseract-ocr, tesseract-ocr-chi-sim and fonts-noto-cjk"
  export DEBIAN_FRONTEND=noninteractive
  pkgs="tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk"
  # shellcheck disable=SC2086
  apt-get install -y -q $pkgs >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q $pkgs >/dev/null; }
  exit 0
fi
echo "Tesseract is missing: sudo apt-get install tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk" >&2
echo "(without it evidence images stay private: no public copy is made; the site still runs)" >&2
exit 0
