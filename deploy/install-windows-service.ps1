# Installs the zk-relay agent as a Windows service with NSSM (see windows-service.md). Run as Administrator.
#   .\deploy\install-windows-service.ps1 -Gateway wss://<worker>/agent/connect -Token <site token>
param(
  [Parameter(Mandatory = $true)] [string] $Gateway,
  [Parameter(Mandatory = $true)] [string] $Token,
  [string] $InstallDir = (Resolve-Path (Join-Path $PSScriptRoot "..")).Path,
  [string] $ServiceName = "zk-relay-agent",
  [string] $Nssm = "nssm.exe"
)
$ErrorActionPreference = "Stop"

if (-not ([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole(
    [Security.Principal.WindowsBuiltInRole]::Administrator)) {
  throw "Run this script from an elevated PowerShell (Run as Administrator)."
}
if ($Gateway -notmatch '^wss?://') { throw "-Gateway must be a ws:// or wss:// URL ending in /agent/connect" }
$localNssm = Join-Path $PSScriptRoot "nssm.exe"
if (Test-Path $localNssm) { $Nssm = $localNssm }
if (-not (Get-Command $Nssm -ErrorAction SilentlyContinue)) { throw "nssm.exe not found: put it in $PSScriptRoot or on PATH (https://nssm.cc)" }
$node = (Get-Command node.exe -ErrorAction Stop).Source
$agent = Join-Path $InstallDir "bin\zk-relay-agent.mjs"
if (-not (Test-Path $agent)) { throw "$agent not found: run 'npm ci --omit=dev' in $InstallDir first" }
$logs = Join-Path $InstallDir "logs"
New-Item -ItemType Directory -Force -Path $logs | Out-Null
# LocalService must be able to write its logs, and nothing else of the install directory.
icacls $logs /grant "NT AUTHORITY\LocalService:(OI)(CI)M" | Out-Null

function Invoke-Nssm { & $Nssm @args; if ($LASTEXITCODE -ne 0) { throw "nssm $($args -join ' ') failed ($LASTEXITCODE)" } }

if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) {
  & $Nssm stop $ServiceName | Out-Null
  Invoke-Nssm remove $ServiceName confirm
}
Invoke-Nssm install $ServiceName $node "`"$agent`" run"
Invoke-Nssm set $ServiceName AppDirectory $InstallDir
Invoke-Nssm set $ServiceName DisplayName "zk-relay agent"
Invoke-Nssm set $ServiceName Description "Relays zk-relay gateway requests to the site's ZKTeco terminals"
# The token goes to the service's own environment (registry, admin-only), never to the command line.
Invoke-Nssm set $ServiceName AppEnvironmentExtra "ZK_RELAY_GATEWAY=$Gateway" "ZK_RELAY_TOKEN=$Token" "NODE_ENV=production"
Invoke-Nssm set $ServiceName ObjectName "NT AUTHORITY\LocalService"
Invoke-Nssm set $ServiceName Start SERVICE_AUTO_START
Invoke-Nssm set $ServiceName AppExit Default Restart
Invoke-Nssm set $ServiceName AppRestartDelay 5000
Invoke-Nssm set $ServiceName AppThrottle 10000
Invoke-Nssm set $ServiceName AppStopMethodConsole 15000
Invoke-Nssm set $ServiceName AppStdout (Join-Path $logs "agent.log")
Invoke-Nssm set $ServiceName AppStderr (Join-Path $logs "agent.log")
Invoke-Nssm set $ServiceName AppRotateFiles 1
Invoke-Nssm set $ServiceName AppRotateOnline 1
Invoke-Nssm set $ServiceName AppRotateBytes 10485760
Invoke-Nssm start $ServiceName
Write-Host "Service '$ServiceName' installed and started. Logs: $logs\agent.log"
