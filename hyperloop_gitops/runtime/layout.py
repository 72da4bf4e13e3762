"""The AO2D layout the runtime reads and the generator writes: tree names, columns, dtypes.

Names follow the O2 data model (``O2`` + lowercase table name + ``_NNN`` for versions > 0,
branches ``f`` + column, index columns ``fIndex<Table>``). Only the tables the embedded runtime
needs are described; a file may hold more.
"""

from __future__ import annotations

from collections.abc import Mapping

BC = "O2bc_001"
COLLISION = "O2collision_001"
TRACK = "O2track_iu"
TRACK_EXTRA = "O2trackextra_002"
MC_COLLISION = "O2mccollision_001"
MC_PARTICLE = "O2mcparticle_001"
MC_TRACK_LABEL = "O2mctracklabel"
MC_COLLISION_LABEL = "O2mccollisionlabel"

#: Tables of real data: tree name -> column -> numpy dtype string.
DATA_TABLES: Mapping[str, Mapping[str, str]] = {
    BC: {"fRunNumber": "i4", "fGlobalBC": "u8", "fTriggerMask": "u8", "fInputMask": "u8"},
    COLLISION: {
        "fIndexBCs": "i4",
        "fPosX": "f4",
        "fPosY": "f4",
        "fPosZ": "f4",
        "fCovXX": "f4",
        "fCovXY": "f4",
        "fCovYY": "f4",
        "fCovXZ": "f4",
        "fCovYZ": "f4",
        "fCovZZ": "f4",
        "fFlags": "u2",
        "fChi2": "f4",
        "fNumContrib": "u2",
        "fCollisionTime": "f4",
        "fCollisionTimeRes": "f4",
    },
    TRACK: {
        "fIndexCollisions": "i4",
        "fTrackType": "u1",
        "fX": "f4",
        "fAlpha": "f4",
        "fY": "f4",
        "fZ": "f4",
        "fSnp": "f4",
        "fTgl": "f4",
        "fSigned1Pt": "f4",
    },
    TRACK_EXTRA: {
        "fTPCInnerParam": "f4",
        "fFlags": "u4",
        "fITSClusterSizes": "u4",
        "fTPCNClsFindable": "u1",
        "fTPCNClsFindableMinusFound": "i1",
        "fTPCNClsFindableMinusCrossedRows": "i1",
        "fTPCNClsShared": "u1",
        "fTRDPattern": "u1",
        "fITSChi2NCl": "f4",
        "fTPCChi2NCl": "f4",
        "fTRDChi2": "f4",
        "fTOFChi2": "f4",
        "fTPCSignal": "f4",
        "fTRDSignal": "f4",
        "fLength": "f4",
        "fTOFExpMom": "f4",
        "fTrackTime": "f4",
        "fTrackTimeRes": "f4",
    },
}

#: Extra tables of simulated (MC) data.
MC_TABLES: Mapping[str, Mapping[str, str]] = {
    MC_COLLISION: {
        "fIndexBCs": "i4",
        "fGeneratorsID": "i2",
        "fPosX": "f4",
        "fPosY": "f4",
        "fPosZ": "f4",
        "fT": "f4",
        "fWeight": "f4",
        "fImpactParameter": "f4",
    },
    MC_PARTICLE: {
        "fIndexMcCollisions": "i4",
        "fPdgCode": "i4",
        "fStatusCode": "i4",
        "fFlags": "u1",
        "fPx": "f4",
        "fPy": "f4",
        "fPz": "f4",
        "fE": "f4",
        "fVx": "f4",
        "fVy": "f4",
        "fVz": "f4",
        "fVt": "f4",
    },
    MC_TRACK_LABEL: {"fIndexMcParticles": "i4", "fMcMask": "u2"},
    MC_COLLISION_LABEL: {"fIndexMcCollisions": "i4", "fMcMask": "u2"},
}

#: The directory of the ``metaData`` record (TObjString values; uproot cannot write a TMap).
METADATA = "metaData"
DF_PREFIX = "DF_"
