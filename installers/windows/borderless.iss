; Inno Setup 6 (6.3 or newer) script for Borderless: a per-user installer, no administrator
; rights, of the PyInstaller one-folder build in dist\Borderless. build.ps1 compiles it:
;   iscc /DAppVersion=0.1.0 installers\windows\borderless.iss
; Paths are relative to this file. The result is dist\borderless-<version>-windows-x64-setup.exe.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=<__version__ of desktop\borderless\__init__.py>
#endif
#define AppName "Borderless"
#define AppExe "Borderless.exe"  ; the window app; borderless-cli.exe is the command line

[Setup]
; The AppId names this program to Windows across versions: never change it.
AppId={{E5FAC3AC-39B2-47EF-8909-5990F915519B}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Borderless developers
AppComments=See which platforms, companies and countries your browsing data goes to.
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\{#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=borderless-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\borderless.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\Borderless\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "See where your browsing data goes"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
{ After the program is gone, offer to delete the audit data too; No is the default, and a
  silent uninstall (/SUPPRESSMSGBOXES) keeps it. The folder is where the app keeps it:
  platformdirs.user_data_dir("Borderless", appauthor=False), that is %LOCALAPPDATA%\Borderless
  (borderless/paths.py). Qt keeps the settings in HKCU\Software\Borderless\Borderless. }
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  AuditDir, Picked, Question: String;
begin
  if CurUninstallStep <> usPostUninstall then
    Exit;
  AuditDir := ExpandConstant('{localappdata}\Borderless');
  if not DirExists(AuditDir) then
    Exit;
  Question := 'Also delete your Borderless audit data?' + #13#10#13#10 +
    'It holds what Borderless gathered from your browsers, in' + #13#10 + AuditDir + #13#10#13#10 +
    'Choose No to keep it for a later install.';
  if RegQueryStringValue(HKCU, 'Software\Borderless\Borderless\data', 'folder', Picked) then
    Question := Question + #13#10#13#10 + 'The data folder chosen in Settings, ' + Picked +
      ', is left as it is either way.';
  if SuppressibleMsgBox(Question, mbConfirmation, MB_YESNO or MB_DEFBUTTON2, IDNO) = IDYES then
  begin
    if not DelTree(AuditDir, True, True, True) then
      SuppressibleMsgBox('Some of ' + AuditDir + ' could not be deleted; remove it by hand.',
        mbError, MB_OK, IDOK);
    RegDeleteKeyIncludingSubkeys(HKCU, 'Software\Borderless');
  end;
end;
