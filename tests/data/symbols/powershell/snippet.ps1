# Cleans up old log files and reports what was removed.
param(
    [string]$Path = "C:\Logs",
    [int]$MaxAgeDays = 30
)

function Remove-OldLogs {
    [CmdletBinding()]
    param([string]$Folder, [int]$Days)

    $cutoff = (Get-Date).AddDays(-$Days)
    $removed = @()
    foreach ($file in Get-ChildItem -Path $Folder -Filter *.log) {
        if ($file.LastWriteTime -lt $cutoff) {
            Remove-Item $file.FullName -WhatIf:$false
            $removed += $file.Name
        }
    }
    return $removed
}

$result = Remove-OldLogs -Folder $Path -Days $MaxAgeDays
switch ($result.Count) {
    0 { Write-Host "Nothing to remove" }
    default { Write-Host "Removed $($result.Count) files" }
}
$summary = @{ Path = $Path; Removed = $result.Count }
$summary | ConvertTo-Json | Out-File -FilePath "cleanup.json"
