#!/bin/sh
# Draws icon.png (512x512): a calm blue rounded square with a white fingerprint of concentric ridges.
# Needs ImageMagick's convert. Run from this folder, or: go generate ./assets
set -eu
convert -size 512x512 gradient:'#4f95dc'-'#2a5d9f' -alpha set \
  \( -size 512x512 xc:none -fill white -draw 'roundrectangle 16,16 495,495 104,104' \) \
  -compose DstIn -composite -compose Over \
  -fill none -stroke white -strokewidth 20 -draw "stroke-linecap round stroke-linejoin round \
    path 'M 256,300 V 336' \
    path 'M 226,330 V 280 A 30,30 0 0,1 286,280 V 352' \
    path 'M 190,384 V 280 A 66,66 0 0,1 322,280 V 302' \
    path 'M 322,334 V 392' \
    path 'M 154,356 V 280 A 102,102 0 0,1 344.3,229' \
    path 'M 354.5,253.6 A 102,102 0 0,1 358,280 V 398' \
    path 'M 118,322 V 280 A 138,138 0 0,1 394,280 V 340' \
    path 'M 92.5,220.5 A 174,174 0 0,1 419.5,220.5'" \
  -depth 8 -strip icon.png
