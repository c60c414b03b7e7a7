# Build the Windows installer of Borderless: the one-folder app, Inno Setup, checksums.
#
#   powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1 [-Python py] [-Iscc path]
#
# Needs Python 3.11+ with the project and PyInstaller installed (pip install -e . pyinstaller)
# and Inno Setup 6.3 or newer (iscc on the PATH, or its default folder). Writes
# dist\borderless-<version>-windows-x64-setup.exe and its line in dist\SHA256SUMS.
param(
    [string]$Python = "python",
    [string]$Iscc = ""
)
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
Set-Location $Root
$Version = (Select-String -Path "desktop\borderless\__init__.py" -Pattern '^__version__ = "([^"]+)"').Matches[0].Groups[1].Value

# PyInstaller with installers\borderless.spec (python -m PyInstaller installers\borderless.spec
# --noconfirm), then the frozen app's self-test: scripts\build-installer does both.
& $Python scripts\build-installer
if ($LASTEXITCODE -ne 0) { throw "building the app failed (exit $LASTEXITCODE)" }

if (-not $Iscc) {
    $Found = Get-Command iscc -ErrorAction SilentlyContinue
    $Iscc = if ($Found) { $Found.Source } else { Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
}
& $Iscc "/DAppVersion=$Version" "installers\windows\borderless.iss"
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed (exit $LASTEXITCODE)" }

# One line per file, in sha256sum's format (lower-case hash, two spaces, name), so that
# `sha256sum -c SHA256SUMS` checks it as well as Get-FileHash does.
$Setup = Get-Item "dist\borderless-$Version-windows-x64-setup.exe"
$Sums = Join-Path $Root "dist\SHA256SUMS"
$Lines = @()
if (Test-Path $Sums) {
    $Lines = @(Get-Content $Sums | Where-Object { $_ -and ($_ -split '\s+\*?', 2)[1] -ne $Setup.Name })
}
$Hash = (Get-FileHash -Algorithm SHA256 $Setup.FullName).Hash.ToLowerInvariant()
$Lines += "$Hash  $($Setup.Name)"
[IO.File]::WriteAllText($Sums, (($Lines | Sort-Object { ($_ -split '\s+\*?', 2)[1] }) -join "`n") + "`n")
Write-Output $Setup.FullName
