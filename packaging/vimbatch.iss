; Inno Setup 6 script: the Windows installer for vimbatch, made from the one-folder app that
; packaging/build.py builds from packaging/vimbatch.spec (dist\vimbatch\).
;
;     python packaging/build.py
;     iscc /DAppVersion=<app.__version__> packaging\vimbatch.iss
;
; gives dist\vimbatch-<version>-windows-setup.exe. It installs for the current user only (no
; administrator rights, into %LOCALAPPDATA%\Programs\vimbatch), adds a Start-menu entry, and
; registers an uninstaller in Settings > Apps. Uninstalling removes the program, never the
; user's jobs, settings or saved results (they live in the user's own folders).
;
; Signing: .github/workflows/release.yml passes /DSign and a sign tool named "signtool"
; (iscc "/Ssigntool=..." ) when the code-signing certificate secret is set; then the setup
; program and its uninstaller are signed too. Without it they are unsigned (docs/BUILDING.md).

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=<app.__version__> packaging\vimbatch.iss
#endif

#define AppName "vimbatch"
#define AppExeName "vimbatch.exe"
#define AppPublisher "Vimmerse"
#define AppURL "https://www.vimmerse.net/"

[Setup]
; The AppId identifies the app to Windows across versions: never change it.
AppId={{60B1062D-0CDB-4F70-93B1-068E58F75A98}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppPublisherURL={#AppURL}
AppSupportURL={#AppURL}
; Per-user: no UAC prompt; {autopf} is then %LOCALAPPDATA%\Programs.
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
; The PyInstaller build is 64-bit.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 runs on Windows 10 1809 and later.
MinVersion=10.0.17763
OutputDir=..\dist
OutputBaseFilename={#AppName}-{#AppVersion}-windows-setup
SetupIconFile=..\resources\icons\vimbatch.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; A running vimbatch is asked to close before its files are replaced or removed.
CloseApplications=yes
#ifdef Sign
SignTool=signtool
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole folder: the executable alone does not run.
Source: "..\dist\vimbatch\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
