; CamsDesk installer for Windows (64-bit). packaging/dist.sh builds it with:
;   makensis -DVERSION=1.2.3 -DVERSION4=1.2.3.0 -DEXE=CamsDesk.exe -DICON=camsdesk.ico \
;            -DPORT=5000 -DOUTFILE=CamsDesk-Setup.exe installer.nsi
; Silent install: CamsDesk-Setup.exe /S [/D=C:\path]; silent uninstall: Uninstall.exe /S.

; Warning 9000 is about "Setup" in the file name; the installer's manifest asks for admin rights, so Windows'
; installer detection, which the warning is about, does not apply.
!pragma warning disable 9000

Unicode true
ManifestDPIAware true
SetCompressor /SOLID lzma

!ifndef VERSION | VERSION4 | EXE | ICON | PORT | OUTFILE
  !error "define VERSION, VERSION4, EXE, ICON, PORT and OUTFILE (see the top of this file)"
!endif

!define APP "CamsDesk"
!define APPEXE "CamsDesk.exe"
!define FIREWALL_RULE "CamsDesk receiver"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\CamsDesk"
!define APPKEY "Software\CamsDesk"
!define APPID "com.camsdesk.app"
!define RUNKEY "Software\Microsoft\Windows\CurrentVersion\Run"

!include "MUI2.nsh"
!include "x64.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

Name "${APP}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP}"
InstallDirRegKey HKLM "${APPKEY}" "InstallDir"
RequestExecutionLevel admin
BrandingText "${APP} ${VERSION}"

VIProductVersion "${VERSION4}"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP} installer"
VIAddVersionKey "CompanyName" "${APP}"
VIAddVersionKey "LegalCopyright" "${APP}"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_SMALLDESC
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP} now"
!define MUI_FINISHPAGE_RUN_FUNCTION LaunchApp

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${APP} needs 64-bit Windows."
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

; The installer runs elevated; Explorer starts the app as the signed-in user instead.
Function LaunchApp
  Exec '"$WINDIR\explorer.exe" "$INSTDIR\${APPEXE}"'
FunctionEnd

Section "${APP}" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "/oname=${APPEXE}" "${EXE}"
  WriteUninstaller "$INSTDIR\Uninstall.exe"
  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\${APPEXE}" "" "$INSTDIR\${APPEXE}" 0

  WriteRegStr HKLM "${APPKEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "${APP}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "${APP}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\${APPEXE}"
  WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKLM "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINSTKEY}" "EstimatedSize" $0
SectionEnd

Section "Desktop shortcut" SecDesktop
  CreateShortcut "$DESKTOP\${APP}.lnk" "$INSTDIR\${APPEXE}" "" "$INSTDIR\${APPEXE}" 0
SectionEnd

; The same Run value the app's Settings > "Start at login" writes, so the app shows and can undo it.
Section /o "Start ${APP} in the tray when I sign in" SecLogin
  WriteRegStr HKCU "${RUNKEY}" "${APPID}" '"$INSTDIR\${APPEXE}" --hidden'
SectionEnd

Section "Let devices reach ${APP} through Windows Firewall (TCP ${PORT})" SecFirewall
  nsExec::ExecToLog 'netsh advfirewall firewall delete rule name="${FIREWALL_RULE}"'
  Pop $0
  nsExec::ExecToLog 'netsh advfirewall firewall add rule name="${FIREWALL_RULE}" dir=in action=allow protocol=TCP localport=${PORT} program="$INSTDIR\${APPEXE}" profile=any enable=yes'
  Pop $0
  ${If} $0 != 0
    DetailPrint "Could not add the firewall rule (netsh exit code $0)."
  ${EndIf}
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecApp} "The ${APP} program and its Start menu entry."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecDesktop} "A shortcut on the desktop."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecLogin} "Start ${APP} in the tray at sign-in, so punches arrive all day. Settings can turn it off."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecFirewall} "Allow the attendance devices to send punches to this computer on TCP port ${PORT}."
!insertmacro MUI_FUNCTION_DESCRIPTION_END

; Settings and punches in each user's %AppData%\CamsDesk stay; remove that folder to erase them.
Section "Uninstall"
  nsExec::ExecToLog 'netsh advfirewall firewall delete rule name="${FIREWALL_RULE}"'
  Pop $0
  Delete "$SMPROGRAMS\${APP}.lnk"
  DeleteRegValue HKCU "${RUNKEY}" "${APPID}"
  Delete "$DESKTOP\${APP}.lnk"
  Delete /REBOOTOK "$INSTDIR\${APPEXE}"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir /REBOOTOK "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTKEY}"
  DeleteRegKey HKLM "${APPKEY}"
SectionEnd
