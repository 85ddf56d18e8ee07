; Inno Setup 6 script: a per-user Windows installer around the PyInstaller one-folder build.
;
;   iscc /DAppVersion=0.1.0 installer\pemdesk.iss        (after PyInstaller made dist\pemdesk\)
;
; Installs into %LOCALAPPDATA%\Programs\pemdesk without administrator rights, adds a Start-menu
; entry, opens .pemsync sync bundles with pemdesk, registers an uninstaller, and never touches
; the user's records: they live in %LOCALAPPDATA%\pemdesk (platformdirs), outside the program
; folder, so an upgrade or an uninstall keeps them. Upgrades: the same AppId, so a newer setup
; replaces the program files in place (the old _internal folder is removed first).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef VersionNumeric
  #define VersionNumeric AppVersion + ".0"
#endif
#ifndef DistDir
  #define DistDir "..\dist\pemdesk"
#endif

[Setup]
; Never change the AppId: it is how a newer setup finds the installed program to upgrade.
AppId={{8C5E2B4A-3F1D-4E7A-9B6C-0D2F5A7E1C93}
AppName=pemdesk
AppVersion={#AppVersion}
AppVerName=pemdesk {#AppVersion}
AppPublisher=pemdesk developers
AppComments=Participatory environmental monitoring of mining / Уул уурхайн оролцоотой байгаль орчны хяналт
VersionInfoVersion={#VersionNumeric}
VersionInfoProductName=pemdesk
VersionInfoProductVersion={#AppVersion}
VersionInfoDescription=pemdesk setup
; Per-user: no administrator rights; {autopf} is %LOCALAPPDATA%\Programs then.
PrivilegesRequired=lowest
DefaultDirName={autopf}\pemdesk
DefaultGroupName=pemdesk
DisableProgramGroupPage=yes
DisableDirPage=auto
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\dist
OutputBaseFilename=pemdesk-{#AppVersion}-windows-x64-setup
SetupIconFile=..\resources\icons\pemdesk.ico
UninstallDisplayIcon={app}\pemdesk.exe
UninstallDisplayName=pemdesk {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
CloseApplications=yes
RestartApplications=no
InfoAfterFile=windows\AFTER_INSTALL.txt

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; Upgrade: remove the previous version's program files first (libraries that were dropped would
; otherwise linger). Only the program folder: the records are in %LOCALAPPDATA%\pemdesk.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "THIRD_PARTY_LICENSES.md"; DestDir: "{app}"; Flags: ignoreversion
Source: "..\resources\icons\pemdesk.ico"; DestDir: "{app}"; Flags: ignoreversion

[Icons]
Name: "{group}\pemdesk"; Filename: "{app}\pemdesk.exe"; IconFilename: "{app}\pemdesk.ico"; Comment: "Participatory environmental monitoring of mining"
Name: "{group}\pemdesk (demo data)"; Filename: "{app}\pemdesk.exe"; Parameters: "--demo"; IconFilename: "{app}\pemdesk.ico"
Name: "{group}\Uninstall pemdesk"; Filename: "{uninstallexe}"
Name: "{group}\pemdesk self-test"; Filename: "{cmd}"; Parameters: "/k """"{app}\pemdesk-cli.exe"" --self-test"""; IconFilename: "{app}\pemdesk.ico"
Name: "{userdesktop}\pemdesk"; Filename: "{app}\pemdesk.exe"; IconFilename: "{app}\pemdesk.ico"; Tasks: desktopicon

[Registry]
; File association for USB sync bundles, for this user only (HKA = HKCU with lowest privileges).
Root: HKA; Subkey: "Software\Classes\.pemsync"; ValueType: string; ValueName: ""; ValueData: "pemdesk.SyncBundle"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.pemsync\OpenWithProgids"; ValueType: string; ValueName: "pemdesk.SyncBundle"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\pemdesk.SyncBundle"; ValueType: string; ValueName: ""; ValueData: "pemdesk sync bundle"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\pemdesk.SyncBundle\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\pemdesk.ico,0"
Root: HKA; Subkey: "Software\Classes\pemdesk.SyncBundle\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\pemdesk.exe"" --open ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\pemdesk.exe\SupportedTypes"; ValueType: string; ValueName: ".pemsync"; ValueData: ""; Flags: uninsdeletekey

[Run]
Filename: "{app}\pemdesk.exe"; Description: "{cm:LaunchProgram,pemdesk}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Deliberately nothing under %LOCALAPPDATA%\pemdesk: the records (visits, photos, seals) are
; evidence and stay after an uninstall; the user deletes that folder by hand if they want.
Type: filesandordirs; Name: "{app}\_internal"
