# Build the Windows installer on a Windows machine (PowerShell, from the repository root):
#
#   powershell -ExecutionPolicy Bypass -File installer\build_windows.ps1
#
# Needs Python 3.11 (x64) and Inno Setup 6 (iscc.exe on PATH or in its default folder).
# Output: dist\pemdesk-<version>-windows-x64-setup.exe
$ErrorActionPreference = "Stop"
Set-Location (Split-Path -Parent $PSScriptRoot)

if (-not (Test-Path .venv\Scripts\python.exe)) { py -3.11 -m venv .venv }
$py = ".venv\Scripts\python.exe"
& $py -m pip install -q --upgrade pip
& $py -m pip install -q -e . "pyinstaller>=6.5,<7"
$version = & $py -c "import sys; sys.path.insert(0, 'src'); from pemdesk import __version__; print(__version__)"

Write-Host "== licences"
New-Item -ItemType Directory -Force build | Out-Null
$env:PEMDESK_LICENCES = (Join-Path (Resolve-Path build) "THIRD_PARTY_LICENSES.md")
& $py installer\collect_licenses.py --output $env:PEMDESK_LICENCES
Write-Host "== pyinstaller ($version)"
& $py -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller installer\pemdesk.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

Write-Host "== self-test of the build"
# pemdesk-cli.exe: the same program with a console (pemdesk.exe is windowed and prints nothing).
& dist\pemdesk\pemdesk-cli.exe --self-test
if ($LASTEXITCODE -ne 0) { throw "self-test failed ($LASTEXITCODE)" }

Write-Host "== installer"
$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
$numeric = ($version -replace '[^0-9.]', '') + ".0"
& $iscc "/DAppVersion=$version" "/DVersionNumeric=$numeric" installer\pemdesk.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Get-ChildItem dist\pemdesk-*-setup.exe
